"""Settings by topic. `main` assembles them; `test` sets test defaults first."""
