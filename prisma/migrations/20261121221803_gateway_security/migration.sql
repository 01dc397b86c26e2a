-- CreateTable
CREATE TABLE "rate_counter" (
    "key" TEXT NOT NULL,
    "window_start" TIMESTAMPTZ(3) NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "rate_counter_pkey" PRIMARY KEY ("key","window_start")
);

-- CreateTable
CREATE TABLE "rate_tier" (
    "name" TEXT NOT NULL,
    "per_minute" INTEGER NOT NULL,
    "per_hour" INTEGER NOT NULL,
    "per_day" INTEGER NOT NULL,
    "urgent_per_minute" INTEGER NOT NULL,
    "urgent_per_hour" INTEGER NOT NULL,

    CONSTRAINT "rate_tier_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "organization_policy" (
    "organization_id" UUID NOT NULL,
    "rate_tier" TEXT NOT NULL,

    CONSTRAINT "organization_policy_pkey" PRIMARY KEY ("organization_id")
);

-- CreateTable
CREATE TABLE "security_alarm" (
    "id" UUID NOT NULL,
    "source" TEXT NOT NULL,
    "window_start" TIMESTAMPTZ(3) NOT NULL,
    "attempts" INTEGER NOT NULL,
    "organization_id" UUID,
    "raised_at" TIMESTAMPTZ(3) NOT NULL,
    "blocked_until" TIMESTAMPTZ(3),

    CONSTRAINT "security_alarm_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "idempotency_record" (
    "organization_id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "operation" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "status" INTEGER NOT NULL,
    "headers" JSONB NOT NULL,
    "body" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "idempotency_record_pkey" PRIMARY KEY ("organization_id","key")
);

-- CreateTable
CREATE TABLE "signing_key" (
    "kid" TEXT NOT NULL,
    "alg" TEXT NOT NULL,
    "private_jwk" JSONB NOT NULL,
    "public_jwk" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "retired_at" TIMESTAMPTZ(3),

    CONSTRAINT "signing_key_pkey" PRIMARY KEY ("kid")
);

-- CreateIndex
CREATE INDEX "rate_counter_window_start_idx" ON "rate_counter"("window_start");

-- CreateIndex
CREATE INDEX "security_alarm_source_blocked_until_idx" ON "security_alarm"("source", "blocked_until");

-- CreateIndex
CREATE UNIQUE INDEX "security_alarm_source_window_start_key" ON "security_alarm"("source", "window_start");

-- CreateIndex
CREATE INDEX "idempotency_record_created_at_idx" ON "idempotency_record"("created_at");

-- Default rate-limit tiers (GW-4). `ami-example` is the AMI gateway source's example tier.
INSERT INTO "rate_tier" ("name", "per_minute", "per_hour", "per_day", "urgent_per_minute", "urgent_per_hour") VALUES
  ('standard', 600, 20000, 200000, 600, 20000),
  ('ami-example', 24, 24, 576, 60, 600),
  ('unlimited', 1000000000, 1000000000, 1000000000, 1000000000, 1000000000);
