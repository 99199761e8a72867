// Resolutions (резолюции, поручения) of a received passport, their executors and the executors'
// reports. A task list travels whole in every MainDoc and AddToDoc, so saving it again updates the
// tasks we have and adds only the executors and reports that are new.
import type { Executor, Task } from '../../codec/types';
import type { Prisma, TaskStatus } from '../../prisma/client';
import type { IncomingPackage } from '../adapter';
import { toDbDate, toInstant } from './dates';
import { contactName, fileInputs, organizationOf, personName } from './passport';
import type { Tx } from './tx';

export async function saveTasks(tx: Tx, cardId: string, pkg: IncomingPackage): Promise<void> {
  const tasks = pkg.message.tasks ?? [];
  for (const task of tasks) {
    const data = taskAttributes(task);
    const row = await tx.task.upsert({ where: { cardId_uid: { cardId, uid: task.uid } }, create: { cardId, uid: task.uid, ...data }, update: data });
    for (const executor of task.executors ?? []) await saveExecutor(tx, cardId, row.id, executor, pkg);
  }
  // Parents are linked once the whole list is saved: a point may come before its resolution.
  for (const task of tasks) {
    if (!task.parent?.taskId) continue;
    const parent = await tx.task.findFirst({ where: { cardId, sourceTaskId: task.parent.taskId }, select: { id: true } });
    if (parent) await tx.task.update({ where: { cardId_uid: { cardId, uid: task.uid } }, data: { parentId: parent.id } });
  }
}

function taskAttributes(task: Task) {
  return {
    sourceTaskId: task.taskId,
    type: task.type,
    number: task.number ?? null,
    text: task.text ?? null,
    authorName: personName(task.author?.contact) ?? null,
    signDate: toDbDate(task.author?.signDate) ?? null,
    deadline: toDbDate(task.control?.deadline) ?? null,
    controlState: task.control?.state ?? 'NoControl',
    controllerName: personName(task.control?.contact) ?? null,
    factDate: toDbDate(task.control?.factDate) ?? null,
    resume: task.control?.resume ?? null,
    status: taskStatus(task),
    isPrivate: task.privacy,
    note: task.note ?? null,
    category: task.category?.name ?? null,
  } satisfies Prisma.TaskUncheckedUpdateInput;
}

function taskStatus(task: Task): TaskStatus {
  if (task.isProject) return 'draft';
  return task.control?.state === 'EndedControl' ? 'completed' : 'active';
}

async function saveExecutor(tx: Tx, cardId: string, taskId: string, executor: Executor, pkg: IncomingPackage): Promise<void> {
  const organization = await organizationOf(tx, executor.contact);
  const data = {
    // Our own officials are internal executors; anyone else reports back by доклад.
    organizationId: organization && !organization.isSelf ? organization.id : null,
    // An organization the directory does not know stays in the name rather than being lost.
    name: organization ? (personName(executor.contact) ?? organization.shortName) : contactName(executor.contact),
    post: executor.contact.officialPerson?.post ?? null,
    isResponsible: executor.responsible,
  };
  const known = await tx.taskExecutor.findFirst({
    where: { taskId, ...(executor.uid ? { uid: executor.uid } : { name: data.name }) },
    select: { id: true },
  });
  const row = known
    ? await tx.taskExecutor.update({ where: { id: known.id }, data })
    : await tx.taskExecutor.create({ data: { taskId, uid: executor.uid ?? null, ...data } });
  if (executor.text || executor.status || executor.date) await saveExecutionReport(tx, cardId, row.id, executor, pkg);
}

async function saveExecutionReport(tx: Tx, cardId: string, executorId: string, executor: Executor, pkg: IncomingPackage): Promise<void> {
  const report = { text: executor.text ?? null, statusText: executor.status?.name ?? null };
  const reportedAt = toInstant(executor.date);
  // Later task lists repeat the reports already sent.
  const known = await tx.executionReport.findFirst({ where: { executorId, ...report, ...(reportedAt && { reportedAt }) }, select: { id: true } });
  if (known) return;
  await tx.executionReport.create({
    data: {
      executorId,
      ...report,
      reportedAt: reportedAt ?? new Date(),
      messageId: pkg.messageRowId,
      files: { create: fileInputs(pkg, executor.files ?? []).map((file) => ({ ...file, cardId })) },
    },
  });
}

/**
 * Execution reports an addressee sent about our tasks (a report's TaskList): each is kept on our
 * task, beside our own executors' reports. Tasks are matched by Task@UID, executors by UID or
 * name; an executor we did not name ourselves is added as the addressee's.
 */
export async function saveReportedExecution(tx: Tx, cardId: string, reporterOrganizationId: string | null, tasks: Task[], messageRowId: string): Promise<number> {
  let saved = 0;
  for (const task of tasks) {
    const ours = await tx.task.findUnique({ where: { cardId_uid: { cardId, uid: task.uid } }, select: { id: true } });
    if (!ours) continue;
    for (const executor of task.executors ?? []) {
      if (!executor.text && !executor.status) continue;
      const name = personName(executor.contact) ?? executor.contact.organization.shortName;
      const known = await tx.taskExecutor.findFirst({
        where: { taskId: ours.id, OR: [...(executor.uid ? [{ uid: executor.uid }] : []), { name }] },
        select: { id: true },
      });
      const executorId =
        known?.id ??
        (await tx.taskExecutor.create({ data: { taskId: ours.id, uid: executor.uid ?? null, name, organizationId: reporterOrganizationId, isResponsible: executor.responsible } })).id;
      const report = { text: executor.text ?? null, statusText: executor.status?.name ?? null };
      const reportedAt = toInstant(executor.date);
      const repeated = await tx.executionReport.findFirst({ where: { executorId, ...report, ...(reportedAt && { reportedAt }) }, select: { id: true } });
      if (repeated) continue;
      await tx.executionReport.create({ data: { executorId, ...report, reportedAt: reportedAt ?? new Date(), messageId: messageRowId } });
      saved++;
    }
  }
  return saved;
}
