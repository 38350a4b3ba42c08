"""Human names of the cluster domain's stored codes, as English msgids (translated in templates)."""

from __future__ import annotations

from csirtnet.i18n import N_
from csirtnet.models import ChannelKind, PlanActivityKind, PlanActivityStatus, ReadinessCriterion
from csirtnet.models.event import EventKind
from csirtnet.models.knowledge import KnowledgeKind
from csirtnet.vocabulary import TLP

ACTIVITY_KINDS: dict[str, str] = {
    PlanActivityKind.WORKSHOP.value: N_("Workshop"),
    PlanActivityKind.DRILL.value: N_("Drill"),
    PlanActivityKind.TRAINING.value: N_("Training"),
    PlanActivityKind.CHANNEL.value: N_("Information-exchange channel"),
    PlanActivityKind.OTHER.value: N_("Other"),
}
ACTIVITY_STATUSES: dict[str, str] = {
    PlanActivityStatus.PLANNED.value: N_("Planned"),
    PlanActivityStatus.IN_PROGRESS.value: N_("In progress"),
    PlanActivityStatus.DONE.value: N_("Done"),
    PlanActivityStatus.CANCELLED.value: N_("Cancelled"),
}
TERM_STATUSES: dict[str, str] = {
    "past": N_("Past"),
    "current": N_("Current"),
    "planned": N_("Planned"),
}
CRITERIA: dict[str, str] = {
    ReadinessCriterion.ANTIMALWARE.value: N_("Anti-malware connected to national monitoring"),
    ReadinessCriterion.BACKUP.value: N_("Backup plan, restore tested in 12 months"),
    ReadinessCriterion.IR_TEAM.value: N_("Response team with 24/7 contact"),
    ReadinessCriterion.SYSTEMS.value: N_("Systems inventory with approved levels"),
    ReadinessCriterion.DRILLS.value: N_("Took part in a drill"),
    "no_record": N_("No readiness record"),
}
GROUPINGS: dict[str, str] = {
    "cluster": N_("Cluster"),
    "sector": N_("Sector"),
    "province": N_("Province"),
}
CHANNEL_KINDS: dict[str, str] = {
    ChannelKind.NETWORK.value: N_("Whole network"),
    ChannelKind.CLUSTER.value: N_("Cluster"),
    ChannelKind.TOPIC.value: N_("Topic"),
}
EVENT_KINDS: dict[str, str] = {
    EventKind.WORKSHOP.value: N_("Workshop"),
    EventKind.SEMINAR.value: N_("Seminar"),
    EventKind.TRAINING.value: N_("Training"),
    EventKind.OTHER.value: N_("Other"),
}
KNOWLEDGE_KINDS: dict[str, str] = {
    KnowledgeKind.PLAYBOOK.value: N_("Playbook"),
    KnowledgeKind.LESSONS_LEARNED.value: N_("Lessons learned"),
    KnowledgeKind.MATERIAL.value: N_("Event material"),
    KnowledgeKind.REPORT.value: N_("Report"),
    KnowledgeKind.OTHER.value: N_("Other"),
}
TLP_HELP: dict[str, str] = {
    TLP.RED.value: N_("Only the people you name"),
    TLP.AMBER_STRICT.value: N_("Only your organisation (and the people you name)"),
    TLP.AMBER.value: N_("The organisations this is addressed to, need to know"),
    TLP.GREEN.value: N_("Every member of the channel or space"),
    TLP.CLEAR.value: N_("Anyone logged in"),
}
