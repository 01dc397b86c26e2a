-- AlterTable
ALTER TABLE "audit_log" ADD COLUMN     "sanitized" BOOLEAN NOT NULL DEFAULT false;
