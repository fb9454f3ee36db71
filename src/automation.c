/*-------------------------------------------------------------------------
 *
 * automation.c
 *	  Scheduled business automation run by the delivery workers.
 *
 * Collection reminders (flowcomm.run_due_automation()) need no external
 * cron: every flowcomm.automation_interval_s a delivery worker runs them in
 * a transaction of its own.  Several workers may reach the moment together;
 * the SQL function takes an advisory lock so one run happens, and each
 * reminder step is idempotent anyway.  An error in the host's overdue
 * source must not take the delivery worker down, so the run is wrapped in a
 * subtransaction whose failure is logged and retried at the next interval.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "pgstat.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "flowcomm.h"

int			fc_automation_interval_s = 60;
char	   *fc_overdue_source = NULL;

/*
 * flowcomm_automation_guc_init defines the automation settings.  The overdue
 * source is read by SECURITY DEFINER code that runs as the extension owner,
 * so only a superuser may set it.
 */
void
flowcomm_automation_guc_init(void)
{
	DefineCustomIntVariable("flowcomm.automation_interval_s",
							"Seconds between scheduled automation runs (collection reminders); 0 disables them.",
							NULL, &fc_automation_interval_s, 60, 0, 86400,
							PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomStringVariable("flowcomm.overdue_source",
							   "Host table or view listing overdue invoices for collection reminders.",
							   "Columns: business_id, invoice_id, customer_id, customer_name, email, phone, "
							   "messenger_id, locale, document_number, due_date, balance, currency, business_name.",
							   &fc_overdue_source, "", PGC_SUSET, 0, NULL, NULL, NULL);
}

/*
 * fc_automation_due says whether a scheduled run is due: the interval has
 * passed since the last run.  The last run time, not a precomputed next
 * time, is kept so a reloaded interval takes effect at once.
 */
bool
fc_automation_due(TimestampTz now, TimestampTz *last_run)
{
	if (fc_automation_interval_s <= 0)
		return false;
	if (*last_run == 0)
	{
		/* The first run comes one interval after start, not during recovery. */
		*last_run = now;
		return false;
	}
	if (!TimestampDifferenceExceeds(*last_run, now, fc_automation_interval_s * 1000))
		return false;
	*last_run = now;
	return true;
}

/*
 * fc_automation_run runs flowcomm.run_due_automation() once.  The caller is
 * outside any transaction.
 */
void
fc_automation_run(void)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner;

	fc_start_xact();
	pgstat_report_activity(STATE_RUNNING, "flowcomm: scheduled automation");
	oldowner = CurrentResourceOwner;
	BeginInternalSubTransaction(NULL);
	PG_TRY();
	{
		SPI_connect();
		PushActiveSnapshot(GetTransactionSnapshot());
		(void) SPI_execute("SELECT flowcomm.run_due_automation()", false, 0);
		PopActiveSnapshot();
		SPI_finish();
		ReleaseCurrentSubTransaction();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		ereport(WARNING,
				(errmsg("flowcomm scheduled automation failed: %s", edata->message),
				 errdetail("%s", edata->detail ? edata->detail : "The run is retried at the next interval."),
				 errhint("Check flowcomm.overdue_source and the collection policies.")));
		FreeErrorData(edata);
	}
	PG_END_TRY();
	MemoryContextSwitchTo(oldcxt);
	CurrentResourceOwner = oldowner;
	CommitTransactionCommand();
	pgstat_report_activity(STATE_IDLE, NULL);
}
