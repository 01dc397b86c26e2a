-- AlterTable
ALTER TABLE "hub_subscription" ADD COLUMN     "format" TEXT NOT NULL DEFAULT 'tmf';

-- CreateTable
CREATE TABLE "iec61968_object" (
    "organization_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "mrid" TEXT NOT NULL,
    "resource_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "iec61968_object_pkey" PRIMARY KEY ("organization_id","kind","mrid")
);

-- CreateIndex
CREATE INDEX "iec61968_object_resource_id_idx" ON "iec61968_object"("resource_id");
