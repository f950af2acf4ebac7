"""phonenumbers loads its per-region metadata modules by name; collect those, but not the
geocoder, carrier and time-zone data (40 MB) the app doesn't use (replaces the contrib hook).
"""

from PyInstaller.utils.hooks import collect_submodules

UNUSED = ("phonenumbers.geo", "phonenumbers.carrier", "phonenumbers.timezone",
          "phonenumbers.tzdata")

hiddenimports = collect_submodules("phonenumbers", filter=lambda name: not name.startswith(UNUSED))
