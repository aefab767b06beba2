"""gunicorn's settings that the command lines share (Procfile, docker-compose.yml, Dockerfile).

The access log records the path without its query string: an OsmAnd tracker carries its device
key in the query (`?id=VAN-0001.<key>`), and a key in a log file is a key anyone who reads the
log can use. Otherwise gunicorn's default format.
"""

accesslog = "-"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s"'
