package io.parley.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.parley.jobs.output.ResultTable;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs the Zeppelin note {@code conf/zeppelin/parley-secure-analytics.zpln} as a notebook would:
 * its placeholders filled in, its paragraphs in order in ONE long-lived Spark session in this JVM
 * (alpha), the {@code %spark.conf} paragraph configuring the session builder and each {@code %sql}
 * paragraph running through {@code spark.sql}; beta's and gamma's responders are
 * {@code parley party} JVMs. Every {@code %sql} result is compared with plain Spark on the pooled rows.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ZeppelinNoteIT {
  static final long SEED = 4_242L;
  static final List<String> PARTIES = List.of("alpha", "beta", "gamma");
  static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z_]+)}");
  static final Pattern INTERPRETER = Pattern.compile("^\\s*%([\\w.]+)\\s*\\n?");

  static Path work;
  static ProcessFederation federation;
  static final Map<String, String> salesPaths = new LinkedHashMap<>();
  static SparkSession notebook;

  @BeforeAll
  static void startResponders() throws Exception {
    Checkout.requirePackagedJobs();
    work = Checkout.freshWorkDir(ZeppelinNoteIT.class);
    salesPaths.put("alpha", work.resolve("data/alpha/sales.csv").toString());
    salesPaths.put("beta", work.resolve("data/beta/sales.csv").toString());
    salesPaths.put("gamma", work.resolve("data/gamma/sales.csv").toString());
    for (String party : PARTIES) {
      SalesData.writeCsv(salesPaths.get(party), SalesData.rows(SEED, party, 380));
    }
    federation = ProcessFederation.init(work.resolve("federation"), work.resolve("logs"), "parley-zeppelin-it", PARTIES);
    federation.startCoordinator(null);
    federation.startResponder("beta", salesPaths.get("beta"), Map.of());
    federation.startResponder("gamma", salesPaths.get("gamma"), Map.of());
    federation.awaitResponders();
  }

  @AfterAll
  static void stopAll() {
    if (notebook != null) {
      notebook.stop();
    }
    if (federation != null) {
      federation.close();
    }
  }

  @Test
  void noteParagraphsRunInOrderInOneSessionAndMatchPlainSpark() throws Exception {
    Path notePath = Checkout.root().resolve("conf/zeppelin/parley-secure-analytics.zpln");
    JsonNode note = new ObjectMapper().readTree(notePath.toFile());
    assertTrue(note.path("name").isTextual(), "a Zeppelin note has a name: " + notePath);
    assertEquals("spark", note.path("defaultInterpreterGroup").asText(), "the note's default interpreter group");
    JsonNode paragraphs = note.path("paragraphs");
    assertTrue(paragraphs.isArray() && paragraphs.size() > 0, "a Zeppelin note has paragraphs: " + notePath);

    Map<String, String> values = new LinkedHashMap<>();
    values.put("PARLEY_FED", federation.dir().toString());
    values.put("PARLEY_PARTY", "alpha");
    values.put("PARLEY_COORDINATOR", federation.coordinatorAddress());
    values.put("PARLEY_SALES", salesPaths.get("alpha"));
    values.put("PARLEY_JAR", Checkout.shadedJar().toString());

    Properties sessionConf = null;
    List<String> ran = new ArrayList<>();
    for (JsonNode paragraph : paragraphs) {
      String text = substitute(paragraph.path("text").asText(), values);
      Matcher interpreter = INTERPRETER.matcher(text);
      assertTrue(interpreter.find(), "paragraph '" + paragraph.path("title").asText() + "' names no interpreter");
      String body = text.substring(interpreter.end());
      switch (interpreter.group(1)) {
        case "md" -> ran.add("md");
        case "spark.conf" -> {
          assertEquals(null, notebook, "%spark.conf must come before the first Spark paragraph");
          sessionConf = new Properties();
          sessionConf.load(new StringReader(body)); // Zeppelin reads the paragraph the same way
          ran.add("spark.conf");
        }
        case "sql", "spark.sql" -> {
          if (notebook == null) {
            notebook = startNotebookSession(sessionConf);
          }
          runSqlParagraph(paragraph.path("title").asText(), body.strip());
          ran.add("sql");
        }
        default -> fail("the note uses interpreter %" + interpreter.group(1) + ", which this test cannot run");
      }
    }
    assertTrue(ran.indexOf("spark.conf") >= 0 && ran.indexOf("spark.conf") < ran.indexOf("sql"),
        "the note configures Spark before its first query: " + ran);
    assertTrue(ran.stream().filter("sql"::equals).count() >= 3, "the note runs at least three queries: " + ran);
  }

  /** Replaces every {@code ${NAME}}; fails on one the README does not define. */
  static String substitute(String text, Map<String, String> values) {
    Matcher placeholder = PLACEHOLDER.matcher(text);
    StringBuilder out = new StringBuilder();
    while (placeholder.find()) {
      String value = values.get(placeholder.group(1));
      assertNotNull(value, "unknown placeholder ${" + placeholder.group(1) + "} in the note");
      placeholder.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    placeholder.appendTail(out);
    assertFalse(out.toString().contains("${"), "a placeholder is left: " + out);
    return out.toString();
  }

  /** The notebook's session: the note's settings over this machine's (local master, loopback, no UI). */
  private static SparkSession startNotebookSession(Properties noteConf) {
    assertNotNull(noteConf, "the note ran a query before any %spark.conf paragraph");
    if (SparkSession.getDefaultSession().isDefined()) {
      // Another test class left a session: a notebook's interpreter starts its own, with the note's static settings.
      SparkSession.getDefaultSession().get().stop();
    }
    SparkSession.Builder builder = SparkSession.builder().appName("zeppelin note (alpha)");
    ProcessFederation.LOCAL_SPARK.forEach(builder::config);
    for (String key : noteConf.stringPropertyNames()) {
      builder.config(key, noteConf.getProperty(key).trim());
    }
    SparkSession session = builder.getOrCreate();
    assertEquals("io.parley.connector.ParleyExtensions", session.conf().get("spark.sql.extensions"));
    PlainSpark.registerPooledView(session, salesPaths);
    return session;
  }

  private static void runSqlParagraph(String title, String sql) {
    ResultTable secure = ResultTable.collect(notebook.sql(sql));
    ResultTable plain = PlainSpark.answer(notebook, sql);
    assertTrue(plain.rows().size() > 1, "paragraph '" + title + "': plain Spark's answer is too small: " + plain.render());
    assertEquals(plain.columnNames(), secure.columnNames(), "paragraph '" + title + "': column names");
    PlainSpark.assertSameResult(plain, secure, "paragraph '" + title + "': " + sql);
  }
}
