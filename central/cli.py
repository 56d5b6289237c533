"""`kiosk-central`: placeholder until the central's commands land."""


def main(argv=None) -> int:
    raise SystemExit("kiosk-central: not built yet")
