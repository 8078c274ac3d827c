package io.nanostream.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.nanostream.flow.Pipeline;
import io.nanostream.jdbc.JdbcSink;
import io.nanostream.kafka.KafkaSource;
import io.nanostream.kafka.broker.EmbeddedKafka;
import io.nanostream.rabbitmq.RabbitSource;
import io.nanostream.testkit.InMemorySource;
import java.lang.module.Configuration;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReader;
import java.lang.module.ModuleReference;
import java.lang.module.ResolvedModule;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The published jars on the module path, as the package docs of nanostream-kafka describe them:
 * the core, the testkit and the JDBC sink are explicit modules; nanostream-kafka and the embedded
 * broker are automatic modules named in their manifests (kafka-clients has no module name); and an
 * application module that requires {@code io.nanostream.flow} and {@code io.nanostream.kafka} reads
 * the Kafka client too. Runs on the packaged jars, so only where they are built ({@code mvn verify}).
 */
class ModulesTest {

    /** Each published module's jar, by the name it must have, found through a class of its. */
    private static final Map<String, Path> JARS = new LinkedHashMap<>();

    @BeforeAll
    static void findTheJars() throws URISyntaxException {
        for (Class<?> type : new Class<?>[] {Pipeline.class, InMemorySource.class, JdbcSink.class, KafkaSource.class,
                EmbeddedKafka.class, KafkaConsumer.class, RabbitSource.class}) {
            Path location = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
            JARS.put(type.getSimpleName(), location);
        }
        assumeTrue(JARS.values().stream().allMatch(Files::isRegularFile),
                "the modules' classes are directories here, not jars: run mvn verify, which packages them first");
    }

    @Test
    void theCoreTheTestkitAndTheJdbcSinkAreExplicitModules() {
        assertModule("Pipeline", "io.nanostream.flow", false);
        assertModule("InMemorySource", "io.nanostream.testkit", false);
        assertModule("JdbcSink", "io.nanostream.jdbc", false);
    }

    @Test
    void theConnectorJarsAreAutomaticModulesNamedInTheirManifests() {
        assertModule("KafkaSource", "io.nanostream.kafka", true);
        assertModule("EmbeddedKafka", "io.nanostream.kafka.broker", true);
        assertModule("RabbitSource", "io.nanostream.rabbitmq", true);
    }

    @Test
    void anApplicationThatRequiresTheCoreAndTheKafkaModuleReadsTheKafkaClientToo() {
        ModuleDescriptor application = ModuleDescriptor.newModule("com.example.orders").requires("io.nanostream.flow")
                .requires("io.nanostream.kafka").build();
        ModuleFinder jars = ModuleFinder.of(JARS.values().toArray(new Path[0]));
        Configuration configuration = ModuleLayer.boot().configuration().resolve(
                ModuleFinder.compose(finderOf(application), jars), ModuleFinder.of(), Set.of("com.example.orders"));

        Set<String> reads = reads(configuration, "com.example.orders");
        assertTrue(reads.containsAll(Set.of("io.nanostream.flow", "io.nanostream.kafka", "kafka.clients")),
                "com.example.orders reads " + reads);
        assertFalse(reads.contains("io.nanostream.jdbc"), "an explicit module it did not require: " + reads);
        assertTrue(reads(configuration, "io.nanostream.kafka").contains("io.nanostream.flow"),
                "the automatic module reads the core");

        // the core opens its internal package to the Kafka module by name: it must still find it
        ModuleLayer layer = ModuleLayer.boot().defineModulesWithOneLoader(configuration, ClassLoader.getPlatformClassLoader());
        Module flow = layer.findModule("io.nanostream.flow").orElseThrow();
        Module kafka = layer.findModule("io.nanostream.kafka").orElseThrow();
        assertTrue(flow.isExported("io.nanostream.flow.internal", kafka), "io.nanostream.flow.internal to the Kafka module");
        assertFalse(flow.isExported("io.nanostream.flow.internal", layer.findModule("com.example.orders").orElseThrow()),
                "and to no one else");
    }

    @Test
    void theKafkaModuleAloneDoesNotBringTheCore() {
        ModuleDescriptor application = ModuleDescriptor.newModule("com.example.orders").requires("io.nanostream.kafka")
                .build();
        Configuration configuration = ModuleLayer.boot().configuration().resolve(
                ModuleFinder.compose(finderOf(application), ModuleFinder.of(JARS.values().toArray(new Path[0]))),
                ModuleFinder.of(), Set.of("com.example.orders"));

        // what the package docs tell users: an automatic module cannot say that it needs the core
        assertTrue(configuration.findModule("io.nanostream.flow").isEmpty(), "io.nanostream.flow is resolved");
    }

    private static Set<String> reads(Configuration configuration, String module) {
        return configuration.findModule(module).orElseThrow().reads().stream().map(ResolvedModule::name)
                .collect(Collectors.toSet());
    }

    private static void assertModule(String jarOf, String name, boolean automatic) {
        Set<ModuleReference> found = ModuleFinder.of(JARS.get(jarOf)).findAll();
        assertEquals(1, found.size(), JARS.get(jarOf) + " holds one module");
        ModuleDescriptor descriptor = found.iterator().next().descriptor();
        assertEquals(name, descriptor.name(), JARS.get(jarOf).toString());
        assertEquals(automatic, descriptor.isAutomatic(), name + (automatic ? " is automatic" : " has a descriptor"));
    }

    /** Finds the one module described, which has no content: resolving needs no more. */
    private static ModuleFinder finderOf(ModuleDescriptor descriptor) {
        ModuleReference reference = new ModuleReference(descriptor, null) {
            @Override
            public ModuleReader open() {
                throw new UnsupportedOperationException("only resolved, never read");
            }
        };
        return new ModuleFinder() {
            @Override
            public Optional<ModuleReference> find(String name) {
                return name.equals(descriptor.name()) ? Optional.of(reference) : Optional.empty();
            }

            @Override
            public Set<ModuleReference> findAll() {
                return Set.of(reference);
            }
        };
    }
}
