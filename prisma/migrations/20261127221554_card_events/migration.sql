-- CreateEnum
CREATE TYPE "card_event_outcome" AS ENUM ('reported', 'not_ordered', 'refused', 'subscription_ended', 'no_correspondent');

-- AlterTable
ALTER TABLE "document_reports" ADD COLUMN     "reported_at" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "card_events" (
    "id" UUID NOT NULL,
    "card_id" UUID NOT NULL,
    "kind" "report_event" NOT NULL,
    "data" JSONB NOT NULL,
    "summary" TEXT NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT,
    "outcome" "card_event_outcome",
    "report_message_id" TEXT,
    "handled_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "card_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "card_events_card_id_occurred_at_idx" ON "card_events"("card_id", "occurred_at");

-- CreateIndex
CREATE INDEX "card_events_outcome_created_at_idx" ON "card_events"("outcome", "created_at");

-- AddForeignKey
ALTER TABLE "card_events" ADD CONSTRAINT "card_events_card_id_fkey" FOREIGN KEY ("card_id") REFERENCES "registration_cards"("id") ON DELETE CASCADE ON UPDATE CASCADE;
