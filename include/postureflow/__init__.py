"""postureflow: an AWS cloud security posture pipeline on Apache Airflow."""

__version__ = "0.1.0"
