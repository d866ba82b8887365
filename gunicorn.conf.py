"""gunicorn settings the console is run with (``gunicorn -c gunicorn.conf.py wsgi:app``,
as run.sh and the README do).

The access log leaves out the query string and the referer: a search by ID number or
phone (``?q=...``) or a page reached from one must never put the number in a log line.
Fields: client, time, method, path, protocol, status, bytes, seconds, user agent.
"""
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(L)s "%(a)s"'
