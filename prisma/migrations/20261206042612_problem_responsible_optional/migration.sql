-- AlterTable
ALTER TABLE "service_problem" ALTER COLUMN "responsible_org_id" DROP NOT NULL;

-- AlterTable
ALTER TABLE "service_problem_event_record" ALTER COLUMN "responsible_org_id" DROP NOT NULL;

-- AlterTable
ALTER TABLE "service_problem_task" ALTER COLUMN "responsible_org_id" DROP NOT NULL;
