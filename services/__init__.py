"""The application layer: commands on the domain, settings, bootstrap and the command line."""
