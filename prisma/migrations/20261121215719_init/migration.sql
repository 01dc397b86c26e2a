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
CREATE INDEX "audit_log_organization_id_time_idx" ON "audit_log"("organization_id", "time");

-- CreateIndex
CREATE INDEX "audit_log_time_idx" ON "audit_log"("time");

-- AddForeignKey
ALTER TABLE "partnership" ADD CONSTRAINT "partnership_dso_id_fkey" FOREIGN KEY ("dso_id") REFERENCES "organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "partnership" ADD CONSTRAINT "partnership_mno_id_fkey" FOREIGN KEY ("mno_id") REFERENCES "organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_key" ADD CONSTRAINT "api_key_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
