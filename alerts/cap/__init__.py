"""Public alerts in CAP 1.2 (OASIS Common Alerting Protocol) for P1 incidents that need an
exclusion zone: an Alert with a circle when the incident opens (or is raised to P1), an
Update with the isolation outline when the main is traced, a Cancel when it is made safe or
closed. Messages are stored as issued (alerts.models.CapMessage) and served as a feed."""
