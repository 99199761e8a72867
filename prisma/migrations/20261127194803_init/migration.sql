-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "direction" AS ENUM ('incoming', 'outgoing');

-- CreateEnum
CREATE TYPE "control_state" AS ENUM ('NoControl', 'UnderControl', 'EndedControl');

-- CreateEnum
CREATE TYPE "message_kind" AS ENUM ('MainDoc', 'AddToDoc', 'Editing', 'Reception', 'Failure', 'Report', 'SyncInfo', 'SyncReport');

-- CreateEnum
CREATE TYPE "message_status" AS ENUM ('received', 'stored', 'verified', 'registered', 'manual', 'applied', 'refused', 'quarantined', 'duplicate', 'prepared', 'sent', 'failed');

-- CreateEnum
CREATE TYPE "card_status" AS ENUM ('draft', 'registered', 'cancelled');

-- CreateEnum
CREATE TYPE "send_status" AS ENUM ('pending', 'sent', 'received', 'registered', 'refused', 'failed', 'not_applicable');

-- CreateEnum
CREATE TYPE "card_link_type" AS ENUM ('answer_to', 'follow_up', 'related');

-- CreateEnum
CREATE TYPE "task_type" AS ENUM ('Resolution', 'Point');

-- CreateEnum
CREATE TYPE "task_status" AS ENUM ('draft', 'active', 'completed', 'cancelled');

-- CreateEnum
CREATE TYPE "executor_status" AS ENUM ('assigned', 'in_progress', 'completed', 'cancelled');

-- CreateEnum
CREATE TYPE "report_event" AS ENUM ('Reception', 'Failure', 'Registration', 'Forwarding', 'Consideration', 'Report', 'Redirection', 'Answer', 'Direction', 'SignInformation', 'Editing');

-- CreateEnum
CREATE TYPE "event_level" AS ENUM ('debug', 'info', 'warn', 'error');

-- CreateTable
CREATE TABLE "organizations" (
    "id" UUID NOT NULL,
    "uid" TEXT,
    "full_name" TEXT NOT NULL,
    "short_name" TEXT NOT NULL,
    "sev_index" TEXT NOT NULL,
    "mailbox_address" TEXT,
    "is_self" BOOLEAN NOT NULL DEFAULT false,
    "inn" TEXT,
    "okpo" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "organizations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "departments" (
    "id" UUID NOT NULL,
    "organization_id" UUID NOT NULL,
    "parent_id" UUID,
    "uid" TEXT,
    "name" TEXT NOT NULL,
    "sev_index" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "departments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "officials" (
    "id" UUID NOT NULL,
    "organization_id" UUID NOT NULL,
    "department_id" UUID,
    "uid" TEXT,
    "full_name" TEXT,
    "post" TEXT,
    "sev_index" TEXT,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "officials_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "certificates" (
    "id" UUID NOT NULL,
    "organization_id" UUID NOT NULL,
    "official_id" UUID,
    "pem" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "subject" TEXT,
    "issuer" TEXT,
    "serial_number" TEXT,
    "valid_from" TIMESTAMPTZ(3) NOT NULL,
    "valid_to" TIMESTAMPTZ(3) NOT NULL,
    "revoked_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "certificates_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "messages" (
    "id" UUID NOT NULL,
    "direction" "direction" NOT NULL,
    "message_id" TEXT,
    "kind" "message_kind",
    "status" "message_status" NOT NULL,
    "peer_organization_id" UUID,
    "peer_sev_index" TEXT,
    "return_id" TEXT,
    "header_time" TIMESTAMPTZ(3),
    "document_uid" TEXT,
    "version_uid" TEXT,
    "sender_document_id" TEXT,
    "reg_number" TEXT,
    "reg_date" DATE,
    "file_hashes" TEXT[],
    "raw_storage_key" TEXT,
    "raw_sha256" TEXT,
    "raw_size" INTEGER,
    "mail_message_id" TEXT,
    "workflow_id" TEXT,
    "card_id" UUID,
    "reason" TEXT,
    "failure_code" INTEGER,
    "received_at" TIMESTAMPTZ(3),
    "sent_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "messages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "registration_journals" (
    "id" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "direction" "direction" NOT NULL,
    "prefix" TEXT NOT NULL DEFAULT '',
    "suffix" TEXT NOT NULL DEFAULT '',
    "pattern" TEXT NOT NULL DEFAULT '{prefix}{number}{suffix}',
    "yearly" BOOLEAN NOT NULL DEFAULT true,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "registration_journals_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "journal_counters" (
    "journal_id" UUID NOT NULL,
    "year" INTEGER NOT NULL,
    "last_number" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "journal_counters_pkey" PRIMARY KEY ("journal_id","year")
);

-- CreateTable
CREATE TABLE "registration_cards" (
    "id" UUID NOT NULL,
    "direction" "direction" NOT NULL,
    "status" "card_status" NOT NULL DEFAULT 'draft',
    "kind" TEXT,
    "annotation" TEXT,
    "consists" TEXT,
    "note" TEXT,
    "journal_id" UUID,
    "reg_number" TEXT,
    "reg_date" DATE,
    "reg_year" INTEGER,
    "reg_sequence" INTEGER,
    "document_uid" TEXT,
    "version_uid" TEXT,
    "version" INTEGER,
    "sender_document_id" TEXT,
    "sender_organization_id" UUID,
    "sender_reg_number" TEXT,
    "sender_reg_date" DATE,
    "signer_official_id" UUID,
    "signer_name" TEXT,
    "signer_post" TEXT,
    "writer_name" TEXT,
    "control_state" "control_state" NOT NULL DEFAULT 'NoControl',
    "control_deadline" DATE,
    "report_subscriptions" JSONB,
    "passport_storage_key" TEXT,
    "passport_sha256" TEXT,
    "registered_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "registration_cards_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "card_addressees" (
    "id" UUID NOT NULL,
    "card_id" UUID NOT NULL,
    "organization_id" UUID,
    "official_id" UUID,
    "name" TEXT NOT NULL,
    "send_status" "send_status" NOT NULL DEFAULT 'pending',
    "last_message_id" UUID,
    "addressee_reg_number" TEXT,
    "addressee_reg_date" DATE,
    "sent_at" TIMESTAMPTZ(3),
    "status_changed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "card_addressees_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "document_files" (
    "id" UUID NOT NULL,
    "card_id" UUID NOT NULL,
    "execution_report_id" UUID,
    "uid" TEXT,
    "name" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "storage_path" TEXT NOT NULL,
    "media_type" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "document_files_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "file_signatures" (
    "id" UUID NOT NULL,
    "file_id" UUID NOT NULL,
    "certificate_id" UUID,
    "size" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "storage_path" TEXT NOT NULL,
    "kind" INTEGER,
    "signed_at" TIMESTAMPTZ(3),
    "signer_name" TEXT,
    "verified_at" TIMESTAMPTZ(3),
    "is_valid" BOOLEAN,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "file_signatures_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "card_links" (
    "id" UUID NOT NULL,
    "from_card_id" UUID NOT NULL,
    "to_card_id" UUID,
    "type" "card_link_type" NOT NULL,
    "target_document_id" TEXT,
    "target_document_uid" TEXT,
    "description" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "card_links_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tasks" (
    "id" UUID NOT NULL,
    "card_id" UUID NOT NULL,
    "parent_id" UUID,
    "uid" TEXT NOT NULL,
    "source_task_id" TEXT,
    "type" "task_type" NOT NULL DEFAULT 'Resolution',
    "number" TEXT,
    "text" TEXT,
    "author_official_id" UUID,
    "author_name" TEXT,
    "sign_date" DATE,
    "deadline" DATE,
    "control_state" "control_state" NOT NULL DEFAULT 'NoControl',
    "controller_official_id" UUID,
    "controller_name" TEXT,
    "fact_date" DATE,
    "resume" TEXT,
    "status" "task_status" NOT NULL DEFAULT 'active',
    "is_private" BOOLEAN NOT NULL DEFAULT false,
    "note" TEXT,
    "category" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "tasks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "task_executors" (
    "id" UUID NOT NULL,
    "task_id" UUID NOT NULL,
    "uid" TEXT,
    "official_id" UUID,
    "organization_id" UUID,
    "name" TEXT NOT NULL,
    "post" TEXT,
    "is_responsible" BOOLEAN NOT NULL DEFAULT false,
    "status" "executor_status" NOT NULL DEFAULT 'assigned',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "task_executors_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "execution_reports" (
    "id" UUID NOT NULL,
    "executor_id" UUID NOT NULL,
    "text" TEXT,
    "status_text" TEXT,
    "reported_at" TIMESTAMPTZ(3) NOT NULL,
    "message_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "execution_reports_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "document_reports" (
    "id" UUID NOT NULL,
    "card_id" UUID NOT NULL,
    "addressee_id" UUID,
    "message_id" UUID NOT NULL,
    "event_index" INTEGER NOT NULL DEFAULT 0,
    "event" "report_event" NOT NULL,
    "failure_code" INTEGER,
    "event_at" TIMESTAMPTZ(3),
    "summary" TEXT NOT NULL,
    "xml" TEXT NOT NULL,
    "return_id" TEXT,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "document_reports_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "event_log" (
    "id" UUID NOT NULL,
    "level" "event_level" NOT NULL,
    "kind" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "workflow_id" TEXT,
    "message_id" TEXT,
    "document_id" TEXT,
    "details" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "event_log_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "organizations_sev_index_key" ON "organizations"("sev_index");

-- CreateIndex
CREATE INDEX "organizations_mailbox_address_idx" ON "organizations"("mailbox_address");

-- CreateIndex
CREATE UNIQUE INDEX "organizations_is_self_key" ON "organizations"("is_self") WHERE ("is_self" = true);

-- CreateIndex
CREATE INDEX "departments_parent_id_idx" ON "departments"("parent_id");

-- CreateIndex
CREATE UNIQUE INDEX "departments_organization_id_sev_index_key" ON "departments"("organization_id", "sev_index");

-- CreateIndex
CREATE INDEX "officials_department_id_idx" ON "officials"("department_id");

-- CreateIndex
CREATE UNIQUE INDEX "officials_organization_id_sev_index_key" ON "officials"("organization_id", "sev_index");

-- CreateIndex
CREATE UNIQUE INDEX "certificates_fingerprint_key" ON "certificates"("fingerprint");

-- CreateIndex
CREATE INDEX "certificates_organization_id_idx" ON "certificates"("organization_id");

-- CreateIndex
CREATE INDEX "certificates_official_id_idx" ON "certificates"("official_id");

-- CreateIndex
CREATE INDEX "messages_document_uid_version_uid_idx" ON "messages"("document_uid", "version_uid");

-- CreateIndex
CREATE INDEX "messages_peer_organization_id_reg_number_reg_date_idx" ON "messages"("peer_organization_id", "reg_number", "reg_date");

-- CreateIndex
CREATE INDEX "messages_return_id_idx" ON "messages"("return_id");

-- CreateIndex
CREATE INDEX "messages_mail_message_id_idx" ON "messages"("mail_message_id");

-- CreateIndex
CREATE INDEX "messages_workflow_id_idx" ON "messages"("workflow_id");

-- CreateIndex
CREATE INDEX "messages_card_id_idx" ON "messages"("card_id");

-- CreateIndex
CREATE INDEX "messages_status_created_at_idx" ON "messages"("status", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "messages_direction_message_id_key" ON "messages"("direction", "message_id");

-- CreateIndex
CREATE UNIQUE INDEX "registration_journals_code_key" ON "registration_journals"("code");

-- CreateIndex
CREATE INDEX "registration_cards_document_uid_version_uid_idx" ON "registration_cards"("document_uid", "version_uid");

-- CreateIndex
CREATE INDEX "registration_cards_sender_organization_id_sender_reg_number_idx" ON "registration_cards"("sender_organization_id", "sender_reg_number", "sender_reg_date");

-- CreateIndex
CREATE INDEX "registration_cards_reg_date_idx" ON "registration_cards"("reg_date");

-- CreateIndex
CREATE UNIQUE INDEX "registration_cards_journal_id_reg_year_reg_sequence_key" ON "registration_cards"("journal_id", "reg_year", "reg_sequence");

-- CreateIndex
CREATE INDEX "card_addressees_organization_id_idx" ON "card_addressees"("organization_id");

-- CreateIndex
CREATE UNIQUE INDEX "card_addressees_card_id_organization_id_key" ON "card_addressees"("card_id", "organization_id");

-- CreateIndex
CREATE INDEX "document_files_card_id_idx" ON "document_files"("card_id");

-- CreateIndex
CREATE INDEX "document_files_execution_report_id_idx" ON "document_files"("execution_report_id");

-- CreateIndex
CREATE INDEX "document_files_sha256_idx" ON "document_files"("sha256");

-- CreateIndex
CREATE INDEX "file_signatures_file_id_idx" ON "file_signatures"("file_id");

-- CreateIndex
CREATE INDEX "card_links_to_card_id_idx" ON "card_links"("to_card_id");

-- CreateIndex
CREATE INDEX "card_links_target_document_uid_idx" ON "card_links"("target_document_uid");

-- CreateIndex
CREATE UNIQUE INDEX "card_links_from_card_id_to_card_id_type_key" ON "card_links"("from_card_id", "to_card_id", "type");

-- CreateIndex
CREATE INDEX "tasks_parent_id_idx" ON "tasks"("parent_id");

-- CreateIndex
CREATE UNIQUE INDEX "tasks_card_id_uid_key" ON "tasks"("card_id", "uid");

-- CreateIndex
CREATE INDEX "task_executors_task_id_idx" ON "task_executors"("task_id");

-- CreateIndex
CREATE INDEX "task_executors_official_id_idx" ON "task_executors"("official_id");

-- CreateIndex
CREATE INDEX "execution_reports_executor_id_idx" ON "execution_reports"("executor_id");

-- CreateIndex
CREATE INDEX "document_reports_card_id_received_at_idx" ON "document_reports"("card_id", "received_at");

-- CreateIndex
CREATE INDEX "document_reports_addressee_id_idx" ON "document_reports"("addressee_id");

-- CreateIndex
CREATE UNIQUE INDEX "document_reports_message_id_event_index_key" ON "document_reports"("message_id", "event_index");

-- CreateIndex
CREATE INDEX "event_log_created_at_idx" ON "event_log"("created_at");

-- CreateIndex
CREATE INDEX "event_log_level_created_at_idx" ON "event_log"("level", "created_at");

-- CreateIndex
CREATE INDEX "event_log_workflow_id_idx" ON "event_log"("workflow_id");

-- CreateIndex
CREATE INDEX "event_log_message_id_idx" ON "event_log"("message_id");

-- CreateIndex
CREATE INDEX "event_log_document_id_idx" ON "event_log"("document_id");

-- AddForeignKey
ALTER TABLE "departments" ADD CONSTRAINT "departments_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "departments" ADD CONSTRAINT "departments_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "departments"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "officials" ADD CONSTRAINT "officials_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "officials" ADD CONSTRAINT "officials_department_id_fkey" FOREIGN KEY ("department_id") REFERENCES "departments"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "certificates" ADD CONSTRAINT "certificates_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "certificates" ADD CONSTRAINT "certificates_official_id_fkey" FOREIGN KEY ("official_id") REFERENCES "officials"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "messages" ADD CONSTRAINT "messages_peer_organization_id_fkey" FOREIGN KEY ("peer_organization_id") REFERENCES "organizations"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "messages" ADD CONSTRAINT "messages_card_id_fkey" FOREIGN KEY ("card_id") REFERENCES "registration_cards"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "journal_counters" ADD CONSTRAINT "journal_counters_journal_id_fkey" FOREIGN KEY ("journal_id") REFERENCES "registration_journals"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "registration_cards" ADD CONSTRAINT "registration_cards_journal_id_fkey" FOREIGN KEY ("journal_id") REFERENCES "registration_journals"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "registration_cards" ADD CONSTRAINT "registration_cards_sender_organization_id_fkey" FOREIGN KEY ("sender_organization_id") REFERENCES "organizations"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "registration_cards" ADD CONSTRAINT "registration_cards_signer_official_id_fkey" FOREIGN KEY ("signer_official_id") REFERENCES "officials"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "card_addressees" ADD CONSTRAINT "card_addressees_card_id_fkey" FOREIGN KEY ("card_id") REFERENCES "registration_cards"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "card_addressees" ADD CONSTRAINT "card_addressees_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "card_addressees" ADD CONSTRAINT "card_addressees_official_id_fkey" FOREIGN KEY ("official_id") REFERENCES "officials"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "card_addressees" ADD CONSTRAINT "card_addressees_last_message_id_fkey" FOREIGN KEY ("last_message_id") REFERENCES "messages"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "document_files" ADD CONSTRAINT "document_files_card_id_fkey" FOREIGN KEY ("card_id") REFERENCES "registration_cards"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "document_files" ADD CONSTRAINT "document_files_execution_report_id_fkey" FOREIGN KEY ("execution_report_id") REFERENCES "execution_reports"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "file_signatures" ADD CONSTRAINT "file_signatures_file_id_fkey" FOREIGN KEY ("file_id") REFERENCES "document_files"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "file_signatures" ADD CONSTRAINT "file_signatures_certificate_id_fkey" FOREIGN KEY ("certificate_id") REFERENCES "certificates"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "card_links" ADD CONSTRAINT "card_links_from_card_id_fkey" FOREIGN KEY ("from_card_id") REFERENCES "registration_cards"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "card_links" ADD CONSTRAINT "card_links_to_card_id_fkey" FOREIGN KEY ("to_card_id") REFERENCES "registration_cards"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_card_id_fkey" FOREIGN KEY ("card_id") REFERENCES "registration_cards"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "tasks"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_author_official_id_fkey" FOREIGN KEY ("author_official_id") REFERENCES "officials"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_controller_official_id_fkey" FOREIGN KEY ("controller_official_id") REFERENCES "officials"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "task_executors" ADD CONSTRAINT "task_executors_task_id_fkey" FOREIGN KEY ("task_id") REFERENCES "tasks"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "task_executors" ADD CONSTRAINT "task_executors_official_id_fkey" FOREIGN KEY ("official_id") REFERENCES "officials"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "task_executors" ADD CONSTRAINT "task_executors_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "execution_reports" ADD CONSTRAINT "execution_reports_executor_id_fkey" FOREIGN KEY ("executor_id") REFERENCES "task_executors"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "execution_reports" ADD CONSTRAINT "execution_reports_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "messages"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "document_reports" ADD CONSTRAINT "document_reports_card_id_fkey" FOREIGN KEY ("card_id") REFERENCES "registration_cards"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "document_reports" ADD CONSTRAINT "document_reports_addressee_id_fkey" FOREIGN KEY ("addressee_id") REFERENCES "card_addressees"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "document_reports" ADD CONSTRAINT "document_reports_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "messages"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
