"""HTML pages. They call the same service functions as the API."""
