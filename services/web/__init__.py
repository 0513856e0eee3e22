"""The workbench's browser pages: HTML, ES modules and styles, served by ``services.api.workbench``."""
