"""The website's forms, one module per page family."""
