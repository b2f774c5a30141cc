"""What returns do when the apps below them say something happened."""

from .services import return_job_delivered


def job_delivered(sender, job, **kwargs):
    """A return pickup's goods reached the store: the return is received (the store inspects them next)."""
    return_job_delivered(job=job)
