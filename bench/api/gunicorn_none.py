"""gunicorn's configuration in the benchmarks: none. ``bench/api/run.py``'s ``Gunicorn``
names this file with ``--config`` for every server it starts (releasemon, and Anitya in
bench/paired), so gunicorn does not read a ``gunicorn.conf.py`` from the folder it runs in:
the repository's (an access line per request through releasemon's logger class) would apply
to releasemon only, and the two sides would no longer run the same settings. Everything the
benchmarks set is on the command line."""
