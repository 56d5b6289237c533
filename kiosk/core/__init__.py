"""Pure-Python core: content model and validation, configuration, visitor flow.

Never imports kivy, requests or sqlite3, so the core runs and is tested anywhere.
"""
