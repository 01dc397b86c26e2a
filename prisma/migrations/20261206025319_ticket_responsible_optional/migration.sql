-- AlterTable
ALTER TABLE "trouble_ticket" ALTER COLUMN "responsible_org_id" DROP NOT NULL;
