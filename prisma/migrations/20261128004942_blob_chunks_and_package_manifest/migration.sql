-- AlterTable
ALTER TABLE "messages" ADD COLUMN     "package" JSONB;

-- AlterTable
ALTER TABLE "blobs" ADD COLUMN     "chunks_id" UUID;

-- CreateTable
CREATE TABLE "blob_chunks" (
    "chunks_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "blob_chunks_pkey" PRIMARY KEY ("chunks_id","seq")
);

-- CreateIndex
CREATE INDEX "blobs_chunks_id_idx" ON "blobs"("chunks_id");
