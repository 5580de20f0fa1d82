"""gunicorn's settings for releasemon's web tier: read by the systemd unit
(docs/deploy/systemd/releasemon-web.service, ``gunicorn --config gunicorn.conf.py``) and by
``bin/serve``, which overrides the address, the number of workers and the graceful timeout on
its command line (a command-line flag wins over this file). docs/production.md explains the
numbers."""

wsgi_app = "releasemon.wsgi"
bind = ["127.0.0.1:8000"]
# Every thread may hold one PostgreSQL connection: 16 (docs/production.md, "Connections").
workers = 4
threads = 4
graceful_timeout = 30
# Behind a TLS proxy on the same machine: trust its X-Forwarded-* headers, nobody else's.
forwarded_allow_ips = "127.0.0.1"
# Errors on stderr, one access line a request on stdout, both as releasemon's own lines
# (JSON with LOG_FORMAT=json; releasemon/operations/gunicorn_logs.py).
errorlog = "-"
accesslog = "-"
logger_class = "releasemon.operations.gunicorn_logs.Logger"
# gunicorn's control socket (gunicornc) is not used: its default path is in the home folder,
# which the systemd unit keeps read-only, and two instances of one user would share it.
control_socket_disable = True
