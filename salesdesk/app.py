"""Composition root: parse the command line, then run a command or open the desktop app."""

import sys

from salesdesk.cli import build_parser, data_dir_of, run


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "command", None):
        return run(args)
    from salesdesk.ui.main import run_app  # Qt only when the window is wanted

    return run_app(data_dir_of(args), screenshot=args.screenshot, view=args.view,
                   language=getattr(args, "lang", None))


if __name__ == "__main__":
    sys.exit(main())
