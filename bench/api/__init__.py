"""The API benchmark: the main API v1/v2 endpoints and project pages under gunicorn and wrk."""
