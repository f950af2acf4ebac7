"""Entry script of the frozen app: PyInstaller runs this file as __main__."""

import sys

from salesdesk.app import main

sys.exit(main())
