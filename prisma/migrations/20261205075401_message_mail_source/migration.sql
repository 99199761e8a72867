-- AlterTable
ALTER TABLE "messages" ADD COLUMN     "mail_source" TEXT;
