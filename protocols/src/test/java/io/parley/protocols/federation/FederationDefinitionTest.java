package io.parley.protocols.federation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.parley.protocols.ParleyException;
import java.io.StringReader;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class FederationDefinitionTest {
  private static FederationDefinition parse(String text) throws Exception {
    Properties properties = new Properties();
    properties.load(new StringReader(text));
    return FederationDefinition.fromProperties(properties);
  }

  @Test
  void readsPartiesAndTables() throws Exception {
    FederationDefinition federation =
        parse("federation.name=dev\nfederation.parties=alpha, beta,gamma\n"
            + "table.sales.schema=region STRING, amount DECIMAL(12,2)\ntable.readings.schema=x DOUBLE\n");
    assertEquals("dev", federation.name());
    assertEquals(List.of("alpha", "beta", "gamma"), federation.parties());
    assertEquals(List.of("readings", "sales"), federation.tableNames());
    assertEquals("region STRING, amount DECIMAL(12,2)", federation.schemaDdl("sales"));
  }

  private static String refusal(String text) {
    return assertThrows(ParleyException.class, () -> parse(text)).getMessage();
  }

  @Test
  void namesWhatIsWrong() {
    assertEquals("the federation definition has no federation.name", refusal("federation.parties=a,b\n"));
    assertEquals("federation.parties names party a twice", refusal("federation.name=f\nfederation.parties=a,a\n"));
    assertEquals("federation.parties names 1 party; a federation needs at least 2", refusal("federation.name=f\nfederation.parties=a\n"));
    assertEquals("table.t.schema is empty: give the table's columns as Spark DDL",
        refusal("federation.name=f\nfederation.parties=a,b\ntable.t.schema= \n"));
    assertEquals("unknown key table.t.columns in the federation definition (expected table.<name>.schema)",
        refusal("federation.name=f\nfederation.parties=a,b\ntable.t.columns=x INT\n"));
    assertEquals("unknown federated table nosuch: the federation definition does not declare it",
        assertThrows(ParleyException.class,
            () -> parse("federation.name=f\nfederation.parties=a,b\n").schemaDdl("nosuch")).getMessage());
  }
}
