"""``python -m smartmedia``: the ``smartmedia`` command (see :mod:`smartmedia.cli`)."""

from smartmedia.cli import main

if __name__ == "__main__":
    main()
