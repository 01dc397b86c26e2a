-- CreateTable
CREATE TABLE "service_problem" (
    "id" UUID NOT NULL,
    "originator_org_id" UUID NOT NULL,
    "responsible_org_id" UUID NOT NULL,
    "status" TEXT NOT NULL,
    "priority" INTEGER NOT NULL,
    "category" TEXT NOT NULL,
    "name" TEXT,
    "creation_date" TIMESTAMPTZ(3) NOT NULL,
    "last_update" TIMESTAMPTZ(3) NOT NULL,
    "status_change_date" TIMESTAMPTZ(3) NOT NULL,
    "resolution_date" TIMESTAMPTZ(3),
    "version" INTEGER NOT NULL DEFAULT 1,
    "doc" JSONB NOT NULL,

    CONSTRAINT "service_problem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "service_problem_task" (
    "id" UUID NOT NULL,
    "task_type" TEXT NOT NULL,
    "originator_org_id" UUID NOT NULL,
    "responsible_org_id" UUID NOT NULL,
    "creation_date" TIMESTAMPTZ(3) NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "doc" JSONB NOT NULL,

    CONSTRAINT "service_problem_task_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "service_problem_event_record" (
    "id" UUID NOT NULL,
    "service_problem_id" UUID NOT NULL,
    "originator_org_id" UUID NOT NULL,
    "responsible_org_id" UUID NOT NULL,
    "event_type" TEXT NOT NULL,
    "event_time" TIMESTAMPTZ(3) NOT NULL,
    "record_time" TIMESTAMPTZ(3) NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "doc" JSONB NOT NULL,

    CONSTRAINT "service_problem_event_record_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "incident" (
    "id" UUID NOT NULL,
    "reporter_org_id" UUID NOT NULL,
    "responsible_org_id" UUID NOT NULL,
    "state" TEXT NOT NULL,
    "ack_state" TEXT NOT NULL,
    "priority" TEXT NOT NULL,
    "category" TEXT NOT NULL,
    "domain" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "occur_time" TIMESTAMPTZ(3) NOT NULL,
    "creation_date" TIMESTAMPTZ(3) NOT NULL,
    "update_time" TIMESTAMPTZ(3) NOT NULL,
    "ack_time" TIMESTAMPTZ(3),
    "clear_time" TIMESTAMPTZ(3),
    "cleared_at" TIMESTAMPTZ(3),
    "version" INTEGER NOT NULL DEFAULT 1,
    "doc" JSONB NOT NULL,

    CONSTRAINT "incident_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "incident_task" (
    "id" UUID NOT NULL,
    "task_type" TEXT NOT NULL,
    "incident_id" UUID NOT NULL,
    "reporter_org_id" UUID NOT NULL,
    "responsible_org_id" UUID NOT NULL,
    "creation_date" TIMESTAMPTZ(3) NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "doc" JSONB NOT NULL,

    CONSTRAINT "incident_task_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "resource_link" (
    "id" UUID NOT NULL,
    "from_type" TEXT NOT NULL,
    "from_id" UUID NOT NULL,
    "to_type" TEXT NOT NULL,
    "to_id" UUID NOT NULL,
    "relation" TEXT NOT NULL,
    "origin" TEXT NOT NULL,
    "created_by_org_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "resource_link_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sla_tier_target" (
    "tier" TEXT NOT NULL,
    "priority" INTEGER NOT NULL,
    "response_minutes" INTEGER NOT NULL,
    "resolution_minutes" INTEGER NOT NULL,

    CONSTRAINT "sla_tier_target_pkey" PRIMARY KEY ("tier","priority")
);

-- CreateTable
CREATE TABLE "sla_clock" (
    "id" UUID NOT NULL,
    "resource_type" TEXT NOT NULL,
    "resource_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "reporter_org_id" UUID NOT NULL,
    "responsible_org_id" UUID NOT NULL,
    "tier" TEXT NOT NULL,
    "priority" INTEGER NOT NULL,
    "target_minutes" INTEGER NOT NULL,
    "elapsed_ms" BIGINT NOT NULL,
    "state" TEXT NOT NULL,
    "outcome" TEXT,
    "warned_at" TIMESTAMPTZ(3),
    "breached_at" TIMESTAMPTZ(3),
    "evaluated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "sla_clock_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "data_export" (
    "id" UUID NOT NULL,
    "organization_id" UUID NOT NULL,
    "day" TEXT NOT NULL,
    "run_id" UUID NOT NULL,
    "creation_date" TIMESTAMPTZ(3) NOT NULL,
    "directory" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "doc" JSONB NOT NULL,

    CONSTRAINT "data_export_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "service_problem_originator_org_id_creation_date_idx" ON "service_problem"("originator_org_id", "creation_date");

-- CreateIndex
CREATE INDEX "service_problem_responsible_org_id_creation_date_idx" ON "service_problem"("responsible_org_id", "creation_date");

-- CreateIndex
CREATE INDEX "service_problem_status_status_change_date_idx" ON "service_problem"("status", "status_change_date");

-- CreateIndex
CREATE INDEX "service_problem_task_originator_org_id_task_type_creation_d_idx" ON "service_problem_task"("originator_org_id", "task_type", "creation_date");

-- CreateIndex
CREATE INDEX "service_problem_task_responsible_org_id_task_type_creation__idx" ON "service_problem_task"("responsible_org_id", "task_type", "creation_date");

-- CreateIndex
CREATE INDEX "service_problem_event_record_service_problem_id_event_time_idx" ON "service_problem_event_record"("service_problem_id", "event_time");

-- CreateIndex
CREATE INDEX "service_problem_event_record_originator_org_id_record_time_idx" ON "service_problem_event_record"("originator_org_id", "record_time");

-- CreateIndex
CREATE INDEX "service_problem_event_record_responsible_org_id_record_time_idx" ON "service_problem_event_record"("responsible_org_id", "record_time");

-- CreateIndex
CREATE INDEX "incident_reporter_org_id_creation_date_idx" ON "incident"("reporter_org_id", "creation_date");

-- CreateIndex
CREATE INDEX "incident_responsible_org_id_creation_date_idx" ON "incident"("responsible_org_id", "creation_date");

-- CreateIndex
CREATE INDEX "incident_state_update_time_idx" ON "incident"("state", "update_time");

-- CreateIndex
CREATE INDEX "incident_task_incident_id_creation_date_idx" ON "incident_task"("incident_id", "creation_date");

-- CreateIndex
CREATE INDEX "incident_task_reporter_org_id_task_type_creation_date_idx" ON "incident_task"("reporter_org_id", "task_type", "creation_date");

-- CreateIndex
CREATE INDEX "incident_task_responsible_org_id_task_type_creation_date_idx" ON "incident_task"("responsible_org_id", "task_type", "creation_date");

-- CreateIndex
CREATE INDEX "resource_link_to_type_to_id_idx" ON "resource_link"("to_type", "to_id");

-- CreateIndex
CREATE UNIQUE INDEX "resource_link_from_type_from_id_to_type_to_id_relation_key" ON "resource_link"("from_type", "from_id", "to_type", "to_id", "relation");

-- CreateIndex
CREATE INDEX "sla_clock_breached_at_idx" ON "sla_clock"("breached_at");

-- CreateIndex
CREATE UNIQUE INDEX "sla_clock_resource_type_resource_id_kind_key" ON "sla_clock"("resource_type", "resource_id", "kind");

-- CreateIndex
CREATE INDEX "data_export_organization_id_creation_date_idx" ON "data_export"("organization_id", "creation_date");

-- CreateIndex
CREATE UNIQUE INDEX "data_export_organization_id_day_key" ON "data_export"("organization_id", "day");

-- Seed: default SLA targets per service tier and ITIL priority (minutes). Operators adjust
-- rows here; a partnership whose tier has no rows uses `standard`.
INSERT INTO "sla_tier_target" ("tier", "priority", "response_minutes", "resolution_minutes") VALUES
    ('premium', 1, 5, 120),
    ('premium', 2, 15, 240),
    ('premium', 3, 60, 720),
    ('premium', 4, 240, 2880),
    ('premium', 5, 720, 5760),
    ('standard', 1, 15, 240),
    ('standard', 2, 30, 480),
    ('standard', 3, 120, 1440),
    ('standard', 4, 480, 4320),
    ('standard', 5, 1440, 10080),
    ('basic', 1, 60, 480),
    ('basic', 2, 120, 1440),
    ('basic', 3, 480, 2880),
    ('basic', 4, 1440, 7200),
    ('basic', 5, 2880, 14400)
ON CONFLICT DO NOTHING;
