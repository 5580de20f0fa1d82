#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "releasemon.settings")
    from django.core.management import execute_from_command_line

    from releasemon.config import ConfigError

    try:
        execute_from_command_line(sys.argv)
    except ConfigError as error:
        sys.exit(f"releasemon: configuration error: {error}")


if __name__ == "__main__":
    main()
