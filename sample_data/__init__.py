"""The bundled sample sessions (installed with holdtrack); samples.json lists them."""
