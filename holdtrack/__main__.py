"""``python -m holdtrack``: the same as the ``holdtrack`` command."""

from holdtrack.cli import main

raise SystemExit(main())
