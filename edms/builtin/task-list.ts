// A card's tasks as the passport's TaskList: what goes out in a DocInfo (our resolutions with their
// executors in other organizations) and in a report (the current resolutions of a document we
// received, with our executors' reports). Cancelled (deleted) tasks are left out: the report that
// tells about the deletion names the task in Consideration@TaskID (see docs/OPERATIONS.md).
import type { Contact, Executor, Task } from '../../codec/types';
import type { Organization, Prisma } from '../../prisma/client';
import { fromDbDate } from './dates';
import type { Tx } from './tx';

const taskInclude = {
  executors: {
    include: { organization: true, reports: { orderBy: [{ reportedAt: 'desc' }, { id: 'desc' }], take: 1 } },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  },
  parent: { select: { sourceTaskId: true, id: true } },
} satisfies Prisma.TaskInclude;

type TaskRow = Prisma.TaskGetPayload<{ include: typeof taskInclude }>;

/** The card's live tasks in the order they were given, as EOS Task elements. */
export async function cardTaskList(tx: Tx, cardId: string, self: Organization): Promise<Task[]> {
  const rows = await tx.task.findMany({
    where: { cardId, status: { not: 'cancelled' } },
    include: taskInclude,
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  return rows.map((row) => toTask(row, self));
}

/** Task@TaskID: the id the task's own EDMS gave it (ours is the row id). */
export function taskIdOf(row: { id: string; sourceTaskId: string | null }): string {
  return row.sourceTaskId ?? row.id;
}

function toTask(row: TaskRow, self: Organization): Task {
  const control =
    row.deadline || row.controlState !== 'NoControl' || row.controllerName || row.factDate || row.resume
      ? {
          state: row.controlState,
          ...(row.controllerName && { contact: { ...orgContact(self), officialPerson: { fio: row.controllerName } } }),
          ...(row.deadline && { deadline: fromDbDate(row.deadline) }),
          ...(row.factDate && { factDate: fromDbDate(row.factDate) }),
          ...(row.resume && { resume: row.resume }),
        }
      : undefined;
  return {
    uid: row.uid,
    taskId: taskIdOf(row),
    type: row.type,
    privacy: row.isPrivate,
    ...(row.number && { number: row.number }),
    ...(row.authorName && row.signDate && { author: { contact: { ...orgContact(self), officialPerson: { fio: row.authorName } }, signDate: fromDbDate(row.signDate)! } }),
    ...(row.text && { text: row.text }),
    ...(row.executors.length > 0 && { executors: row.executors.map((executor) => toExecutor(executor, self)) }),
    ...(control && { control }),
    ...(row.note && { note: row.note }),
    ...(row.category && { category: { name: row.category } }),
    ...(row.parent && { parent: { taskId: taskIdOf(row.parent) } }),
    isProject: row.status === 'draft',
  };
}

function toExecutor(executor: TaskRow['executors'][number], self: Organization): Executor {
  const organization = executor.organization ?? self;
  const contact: Contact = {
    ...orgContact(organization),
    // An executor known by its organization only is written as the organization.
    ...(executor.name !== organization.shortName && { officialPerson: { fio: executor.name, ...(executor.post && { post: executor.post }) } }),
  };
  const report = executor.reports[0];
  return {
    ...(executor.uid && { uid: executor.uid }),
    responsible: executor.isResponsible,
    contact,
    ...(report?.text && { text: report.text }),
    ...(report && { date: report.reportedAt.toISOString() }),
    ...(report?.statusText && { status: { name: report.statusText } }),
  };
}

function orgContact(organization: Organization): Contact {
  return { organization: { uid: organization.uid ?? organization.sevIndex, shortName: organization.shortName, fullName: organization.fullName } };
}
