"""A FastAPI microservice: the seed's hello-world API with probes, metrics and request ids."""

__version__ = "0.1.0"
