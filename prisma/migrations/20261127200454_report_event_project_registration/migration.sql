-- AlterEnum
ALTER TYPE "report_event" ADD VALUE 'ProjectRegistration';
