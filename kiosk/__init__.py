"""StadtLABOR kiosk: touch terminals for the city's digital showroom."""

__version__ = "0.1.0"
