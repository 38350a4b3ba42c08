"""Imports every module that registers a background job, so any worker knows every job name.

Each domain adds its `tasks` module here.
"""

import csirtnet.notification.tasks  # noqa: F401
import csirtnet.organisation.tasks  # noqa: F401
import csirtnet.mobilisation.tasks  # noqa: F401
import csirtnet.incident.tasks  # noqa: F401
import csirtnet.cluster.tasks  # noqa: F401
