"""Imports every module that registers a background job, so any worker knows every job name.

Each domain adds its `tasks` module here.
"""

import csirtnet.advisory.tasks
import csirtnet.cluster.tasks
import csirtnet.evidence.tasks
import csirtnet.exercise.livefire.tasks
import csirtnet.exercise.tabletop.tasks
import csirtnet.feeds.digests
import csirtnet.feeds.tasks
import csirtnet.identity.tasks
import csirtnet.incident.tasks
import csirtnet.intel.federation.tasks
import csirtnet.mobilisation.tasks
import csirtnet.notification.tasks
import csirtnet.organisation.tasks  # noqa: F401
