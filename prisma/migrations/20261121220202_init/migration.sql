-- CreateEnum
CREATE TYPE "OrganizationKind" AS ENUM ('DSO', 'MNO');

-- CreateEnum
CREATE TYPE "PartnershipStatus" AS ENUM ('proposed', 'active', 'suspended', 'terminated');

-- CreateEnum
CREATE TYPE "ApiKeyRole" AS ENUM ('admin', 'operator', 'viewer');

-- CreateTable
CREATE TABLE "organization" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "OrganizationKind" NOT NULL,
    "country" CHAR(2) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "organization_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "partnership" (
    "id" UUID NOT NULL,
    "dso_id" UUID NOT NULL,
    "mno_id" UUID NOT NULL,
    "proposed_by_id" UUID NOT NULL,
    "status" "PartnershipStatus" NOT NULL,
    "status_reason" TEXT,
    "tier" TEXT NOT NULL DEFAULT 'standard',
    "status_change_history" JSONB NOT NULL DEFAULT '[]',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_update" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "partnership_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_key" (
    "id" UUID NOT NULL,
    "organization_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "role" "ApiKeyRole" NOT NULL,
    "prefix" TEXT NOT NULL,
    "digest" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_key_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "trouble_ticket" (
    "id" UUID NOT NULL,
    "reporter_org_id" UUID NOT NULL,
    "responsible_org_id" UUID NOT NULL,
    "status" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "ticket_type" TEXT NOT NULL,
    "priority" TEXT,
    "name" TEXT,
    "creation_date" TIMESTAMPTZ(3) NOT NULL,
    "last_update" TIMESTAMPTZ(3) NOT NULL,
    "status_change_date" TIMESTAMPTZ(3) NOT NULL,
    "requested_resolution_date" TIMESTAMPTZ(3),
    "expected_resolution_date" TIMESTAMPTZ(3),
    "resolution_date" TIMESTAMPTZ(3),
    "version" INTEGER NOT NULL DEFAULT 1,
    "doc" JSONB NOT NULL,

    CONSTRAINT "trouble_ticket_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "event" (
    "sequence" BIGSERIAL NOT NULL,
    "id" UUID NOT NULL,
    "event_type" TEXT NOT NULL,
    "event_time" TIMESTAMPTZ(3) NOT NULL,
    "resource_type" TEXT NOT NULL,
    "resource_id" TEXT NOT NULL,
    "originator_org_id" UUID,
    "audience" UUID[],
    "payload" JSONB NOT NULL,
    "relayed_at" TIMESTAMPTZ(3),

    CONSTRAINT "event_pkey" PRIMARY KEY ("sequence")
);

-- CreateTable
CREATE TABLE "audit_log" (
    "id" BIGSERIAL NOT NULL,
    "time" TIMESTAMPTZ(3) NOT NULL,
    "request_id" TEXT NOT NULL,
    "credential_id" TEXT,
    "credential_kind" TEXT,
    "organization_id" UUID,
    "method" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "operation" TEXT,
    "resource_type" TEXT,
    "resource_id" TEXT,
    "counterpart_org_id" UUID,
    "status" INTEGER NOT NULL,
    "outcome" TEXT NOT NULL,
    "duration_ms" DOUBLE PRECISION NOT NULL,
    "remote_address" TEXT,
    "detail" TEXT,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "hub_subscription" (
    "id" UUID NOT NULL,
    "organization_id" UUID NOT NULL,
    "api" TEXT NOT NULL,
    "callback" TEXT NOT NULL,
    "query" TEXT,
    "event_types" TEXT[],
    "filters" JSONB NOT NULL DEFAULT '[]',
    "secret" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_success_at" TIMESTAMPTZ(3),
    "last_error_at" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "consecutive_failures" INTEGER NOT NULL DEFAULT 0,
    "lease_until" TIMESTAMPTZ(3),
    "lease_owner" TEXT,
    "health_checked_at" TIMESTAMPTZ(3),
    "health_ok" BOOLEAN,
    "health_status_code" INTEGER,
    "health_latency_ms" INTEGER,
    "health_detail" TEXT,

    CONSTRAINT "hub_subscription_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_delivery" (
    "id" BIGSERIAL NOT NULL,
    "subscription_id" UUID NOT NULL,
    "event_sequence" BIGINT NOT NULL,
    "event_id" UUID NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL,
    "last_attempt_at" TIMESTAMPTZ(3),
    "last_status_code" INTEGER,
    "last_error" TEXT,
    "delivered_at" TIMESTAMPTZ(3),
    "undeliverable_notified_at" TIMESTAMPTZ(3),

    CONSTRAINT "webhook_delivery_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "job_run" (
    "id" BIGSERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "instance_id" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "finished_at" TIMESTAMPTZ(3),
    "outcome" TEXT NOT NULL,
    "detail" TEXT,

    CONSTRAINT "job_run_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "socket_io_attachments" (
    "id" BIGSERIAL NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "payload" BYTEA,

    CONSTRAINT "socket_io_attachments_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "partnership_mno_id_idx" ON "partnership"("mno_id");

-- CreateIndex
CREATE UNIQUE INDEX "partnership_dso_id_mno_id_key" ON "partnership"("dso_id", "mno_id");

-- CreateIndex
CREATE UNIQUE INDEX "api_key_prefix_key" ON "api_key"("prefix");

-- CreateIndex
CREATE INDEX "api_key_organization_id_idx" ON "api_key"("organization_id");

-- CreateIndex
CREATE INDEX "trouble_ticket_reporter_org_id_creation_date_idx" ON "trouble_ticket"("reporter_org_id", "creation_date");

-- CreateIndex
CREATE INDEX "trouble_ticket_responsible_org_id_creation_date_idx" ON "trouble_ticket"("responsible_org_id", "creation_date");

-- CreateIndex
CREATE INDEX "trouble_ticket_reporter_org_id_status_creation_date_idx" ON "trouble_ticket"("reporter_org_id", "status", "creation_date");

-- CreateIndex
CREATE INDEX "trouble_ticket_responsible_org_id_status_creation_date_idx" ON "trouble_ticket"("responsible_org_id", "status", "creation_date");

-- CreateIndex
CREATE UNIQUE INDEX "event_id_key" ON "event"("id");

-- CreateIndex
CREATE INDEX "event_event_time_idx" ON "event"("event_time");

-- CreateIndex
CREATE INDEX "event_resource_type_resource_id_idx" ON "event"("resource_type", "resource_id");

-- CreateIndex
CREATE INDEX "event_relayed_at_sequence_idx" ON "event"("relayed_at", "sequence");

-- CreateIndex
CREATE INDEX "audit_log_organization_id_time_idx" ON "audit_log"("organization_id", "time");

-- CreateIndex
CREATE INDEX "audit_log_time_idx" ON "audit_log"("time");

-- CreateIndex
CREATE INDEX "hub_subscription_organization_id_api_idx" ON "hub_subscription"("organization_id", "api");

-- CreateIndex
CREATE INDEX "webhook_delivery_status_next_attempt_at_idx" ON "webhook_delivery"("status", "next_attempt_at");

-- CreateIndex
CREATE INDEX "webhook_delivery_status_created_at_idx" ON "webhook_delivery"("status", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "webhook_delivery_subscription_id_event_sequence_key" ON "webhook_delivery"("subscription_id", "event_sequence");

-- CreateIndex
CREATE INDEX "job_run_name_started_at_idx" ON "job_run"("name", "started_at");

-- AddForeignKey
ALTER TABLE "partnership" ADD CONSTRAINT "partnership_dso_id_fkey" FOREIGN KEY ("dso_id") REFERENCES "organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "partnership" ADD CONSTRAINT "partnership_mno_id_fkey" FOREIGN KEY ("mno_id") REFERENCES "organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_key" ADD CONSTRAINT "api_key_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_delivery" ADD CONSTRAINT "webhook_delivery_subscription_id_fkey" FOREIGN KEY ("subscription_id") REFERENCES "hub_subscription"("id") ON DELETE CASCADE ON UPDATE CASCADE;
