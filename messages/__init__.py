"""Every text Duban shows a person: Jinja2 templates per locale and their rendering."""
