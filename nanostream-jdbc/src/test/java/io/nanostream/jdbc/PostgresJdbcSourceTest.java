package io.nanostream.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nanostream.flow.Pipeline;
import io.nanostream.flow.PipelineException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link JdbcSource} on PostgreSQL. */
class PostgresJdbcSourceTest extends JdbcSourceContract {

    PostgresJdbcSourceTest() {
        super(new Database.Postgres());
    }

    /**
     * A constraint checked only at COMMIT refuses the transaction after the sink has handed the
     * batch's positions over: no row can then be told apart and given to the error policy, so the
     * pipeline fails, and the position committed still covers exactly the rows committed.
     */
    @Test
    void aBatchRefusedAtCommitFailsThePipelineAndThePositionCoversOnlyTheRowsCommitted() throws Exception {
        insertOrders(1, 1_000);
        execute("ALTER TABLE " + copies + " ADD CONSTRAINT " + copies + "_once UNIQUE (id) DEFERRABLE INITIALLY DEFERRED");
        execute("INSERT INTO " + copies + " (id, amount) VALUES (500, 0)"); // order 500's batch cannot commit
        for (int run = 0; run < 2; run++) {
            JdbcSource<Order> source = source().batchSize(100).stopAtEnd().build();
            source.subscribe(copiesKeepingThePositionsOf(source).batchSize(30).build());
            try (Pipeline pipeline = Pipeline.from(source)) {
                pipeline.start();
                if (run == 0) {
                    PipelineException failure = assertThrows(PipelineException.class, () -> pipeline.await(TIMEOUT));
                    assertTrue(failure.getMessage().contains("refused the commit") && failure.getMessage().contains("23505")
                            && failure.getMessage().contains("DEFERRABLE"), failure.getMessage());
                } else {
                    pipeline.await(TIMEOUT);
                }
            }
            if (run == 0) {
                long kept = position();
                assertTrue(kept > 0 && kept < 500, "kept " + kept);
                List<Long> committed = new ArrayList<>(range(1, kept));
                committed.add(500L);
                assertEquals(committed, Database.ids(admin, "SELECT id FROM " + copies + " ORDER BY id"),
                        "the rows committed are those the position says");
                execute("DELETE FROM " + copies + " WHERE id = 500"); // the cause fixed, a restart goes on
            }
        }
        assertEquals(range(1, 1_000), Database.ids(admin, "SELECT id FROM " + copies + " ORDER BY id"), "every row once");
        assertEquals(1_000, position());
    }
}
