"""Drills and exercises (issue 16): tabletop and inject-driven drills, technical drills, live-fire
exercises, outside results, scoreboards, rankings, certificates and after-action reports."""
