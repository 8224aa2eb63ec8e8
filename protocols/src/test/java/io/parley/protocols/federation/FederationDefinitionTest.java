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
    assertEquals("unknown key table.t.columns in the federation definition (expected table.<name>.schema or table.<name>.owner)",
        refusal("federation.name=f\nfederation.parties=a,b\ntable.t.columns=x INT\n"));
    assertEquals("unknown federated table nosuch: the federation definition does not declare it",
        assertThrows(ParleyException.class,
            () -> parse("federation.name=f\nfederation.parties=a,b\n").schemaDdl("nosuch")).getMessage());
  }

  @Test
  void readsComputePartiesAndOwners() throws Exception {
    FederationDefinition federation =
        parse("federation.name=dev\nfederation.parties=gamma,alpha,beta,delta\nfederation.computeParties=gamma, beta,alpha\n"
            + "table.customers.schema=id STRING, age INT\ntable.customers.owner=beta\ntable.sales.schema=x DOUBLE\n");
    assertEquals(List.of("alpha", "beta", "gamma"), federation.computeParties());
    assertEquals(java.util.Optional.of("beta"), federation.owner("customers"));
    assertEquals(java.util.Optional.empty(), federation.owner("sales"));
    assertEquals(List.of(), parse("federation.name=f\nfederation.parties=a,b\n").computeParties());
  }

  @Test
  void refusesBadComputePartiesAndOwners() {
    assertEquals("federation.computeParties names 2 parties; share arithmetic needs exactly 3",
        refusal("federation.name=f\nfederation.parties=a,b,c\nfederation.computeParties=a,b\n"));
    assertEquals("federation.computeParties names 'd', which is not one of federation.parties [a, b, c]",
        refusal("federation.name=f\nfederation.parties=a,b,c\nfederation.computeParties=a,b,d\n"));
    assertEquals("federation.computeParties names party a twice",
        refusal("federation.name=f\nfederation.parties=a,b,c\nfederation.computeParties=a,b,a\n"));
    assertEquals("table.t.owner names 'z', which is not one of federation.parties [a, b]",
        refusal("federation.name=f\nfederation.parties=a,b\ntable.t.schema=x INT\ntable.t.owner=z\n"));
    assertEquals("table.t.owner is set but table.t.schema is not",
        refusal("federation.name=f\nfederation.parties=a,b\ntable.t.owner=a\n"));
    assertEquals("unknown key federation.computeparty in the federation definition",
        refusal("federation.name=f\nfederation.parties=a,b\nfederation.computeparty=a\n"));
  }
}
