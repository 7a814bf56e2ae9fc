"""A project's pipeline on this machine: assembled as GitLab assembles it (`expand`)."""
