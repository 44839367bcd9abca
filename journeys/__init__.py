"""Joinedup's domain: personas, journeys, agencies, goals and measures.

Pages call this package; it calls `storage`; it never imports streamlit.
Every function that writes takes the acting user and checks their role here.
"""
