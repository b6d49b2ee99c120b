"""Server-rendered web app: pages in templates/, assets in static/, routes in routes.py."""
