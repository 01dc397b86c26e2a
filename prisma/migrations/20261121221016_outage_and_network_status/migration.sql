-- CreateTable
CREATE TABLE "energy_outage_notice" (
    "id" UUID NOT NULL,
    "dso_org_id" UUID NOT NULL,
    "audience" UUID[],
    "status" TEXT NOT NULL,
    "outage_kind" TEXT NOT NULL,
    "cause_kind" TEXT,
    "creation_date" TIMESTAMPTZ(3) NOT NULL,
    "last_update" TIMESTAMPTZ(3) NOT NULL,
    "outage_start_time" TIMESTAMPTZ(3),
    "expected_outage_end_time" TIMESTAMPTZ(3),
    "actual_outage_end_time" TIMESTAMPTZ(3),
    "bbox" box,
    "etr_overdue_notified_for" TIMESTAMPTZ(3),
    "version" INTEGER NOT NULL DEFAULT 1,
    "doc" JSONB NOT NULL,

    CONSTRAINT "energy_outage_notice_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outage_site_impact" (
    "notice_id" UUID NOT NULL,
    "site_id" UUID NOT NULL,
    "mno_org_id" UUID NOT NULL,
    "matched_by" TEXT NOT NULL,
    "exhaustion_time" TIMESTAMPTZ(3),
    "risk_notified_for" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "outage_site_impact_pkey" PRIMARY KEY ("notice_id","site_id")
);

-- CreateTable
CREATE TABLE "outage_site_report" (
    "id" UUID NOT NULL,
    "notice_id" UUID NOT NULL,
    "mno_org_id" UUID NOT NULL,
    "site_id" UUID NOT NULL,
    "power_status" TEXT NOT NULL,
    "remaining_minutes" INTEGER,
    "priority_status" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "last_update" TIMESTAMPTZ(3) NOT NULL,
    "doc" JSONB NOT NULL,

    CONSTRAINT "outage_site_report_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "mno_site" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "site_id" TEXT NOT NULL,
    "name" TEXT,
    "location" point NOT NULL,
    "energy_supply_id" TEXT,
    "base_station_ids" TEXT[],
    "ups_installed" BOOLEAN NOT NULL DEFAULT false,
    "ups_capacity_minutes" INTEGER,
    "remaining_minutes" INTEGER,
    "generator" BOOLEAN NOT NULL DEFAULT false,
    "priority" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "last_update" TIMESTAMPTZ(3) NOT NULL,
    "doc" JSONB NOT NULL,

    CONSTRAINT "mno_site_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "dso_site" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "site_id" TEXT NOT NULL,
    "name" TEXT,
    "kind" TEXT NOT NULL,
    "location" point NOT NULL,
    "mno_org_ids" UUID[],
    "cell_ids" TEXT[],
    "criticality" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "last_update" TIMESTAMPTZ(3) NOT NULL,
    "doc" JSONB NOT NULL,

    CONSTRAINT "dso_site_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "network_status_notice" (
    "id" UUID NOT NULL,
    "mno_org_id" UUID NOT NULL,
    "audience" UUID[],
    "status" TEXT NOT NULL,
    "impact" TEXT NOT NULL,
    "creation_date" TIMESTAMPTZ(3) NOT NULL,
    "last_update" TIMESTAMPTZ(3) NOT NULL,
    "start_time" TIMESTAMPTZ(3),
    "expected_restoration_time" TIMESTAMPTZ(3),
    "bbox" box,
    "version" INTEGER NOT NULL DEFAULT 1,
    "doc" JSONB NOT NULL,

    CONSTRAINT "network_status_notice_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "network_site_impact" (
    "notice_id" UUID NOT NULL,
    "site_id" UUID NOT NULL,
    "dso_org_id" UUID NOT NULL,
    "matched_by" TEXT NOT NULL,
    "recommendation" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "network_site_impact_pkey" PRIMARY KEY ("notice_id","site_id")
);

-- CreateIndex
CREATE INDEX "energy_outage_notice_dso_org_id_creation_date_idx" ON "energy_outage_notice"("dso_org_id", "creation_date");

-- CreateIndex
CREATE INDEX "energy_outage_notice_status_idx" ON "energy_outage_notice"("status");

-- CreateIndex
CREATE INDEX "energy_outage_notice_bbox_idx" ON "energy_outage_notice" USING GIST ("bbox");

-- CreateIndex
CREATE INDEX "outage_site_impact_mno_org_id_notice_id_idx" ON "outage_site_impact"("mno_org_id", "notice_id");

-- CreateIndex
CREATE INDEX "outage_site_report_notice_id_mno_org_id_idx" ON "outage_site_report"("notice_id", "mno_org_id");

-- CreateIndex
CREATE UNIQUE INDEX "outage_site_report_notice_id_site_id_key" ON "outage_site_report"("notice_id", "site_id");

-- CreateIndex
CREATE INDEX "mno_site_org_id_energy_supply_id_idx" ON "mno_site"("org_id", "energy_supply_id");

-- CreateIndex
CREATE INDEX "mno_site_location_idx" ON "mno_site" USING GIST ("location");

-- CreateIndex
CREATE UNIQUE INDEX "mno_site_org_id_site_id_key" ON "mno_site"("org_id", "site_id");

-- CreateIndex
CREATE INDEX "dso_site_location_idx" ON "dso_site" USING GIST ("location");

-- CreateIndex
CREATE UNIQUE INDEX "dso_site_org_id_site_id_key" ON "dso_site"("org_id", "site_id");

-- CreateIndex
CREATE INDEX "network_status_notice_mno_org_id_creation_date_idx" ON "network_status_notice"("mno_org_id", "creation_date");

-- CreateIndex
CREATE INDEX "network_status_notice_bbox_idx" ON "network_status_notice" USING GIST ("bbox");

-- CreateIndex
CREATE INDEX "network_site_impact_dso_org_id_notice_id_idx" ON "network_site_impact"("dso_org_id", "notice_id");
