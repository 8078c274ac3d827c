package io.nanostream.flow;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeDataSupport;
import javax.management.openmbean.CompositeType;
import javax.management.openmbean.OpenDataException;
import javax.management.openmbean.OpenType;
import javax.management.openmbean.SimpleType;
import javax.management.openmbean.TabularDataSupport;
import javax.management.openmbean.TabularType;

/**
 * A pipeline's read-only MBean, {@code io.nanostream:type=Pipeline,name=<name>}: its state, its
 * age, a table of every node's {@link NodeMetrics}, and each node's counters as numbers of their
 * own ({@code parse.in}, {@code parse.queued}, ...) that jconsole can chart. Registered when the
 * pipeline starts, unregistered when it is closed.
 */
final class PipelineMBean implements DynamicMBean, PipelineObserver {

    /** The counters of a node, by attribute suffix. */
    private static final List<Counter> COUNTERS = List.of(
            new Counter("in", "items taken (a source: read)", NodeMetrics::in),
            new Counter("out", "items emitted", NodeMetrics::out),
            new Counter("errors", "failed attempts on items", NodeMetrics::errors),
            new Counter("retried", "failed attempts retried", NodeMetrics::retried),
            new Counter("skipped", "items skipped by the error policy", NodeMetrics::skipped),
            new Counter("deadLettered", "items sent to the dead letters", NodeMetrics::deadLettered),
            new Counter("queued", "items waiting in its input buffers", NodeMetrics::queued),
            new Counter("capacity", "room of its input buffers", NodeMetrics::capacity),
            new Counter("backlog", "items waiting outside the pipeline (a source), or -1", NodeMetrics::backlog),
            new Counter("alreadyProcessed", "items read again and skipped as processed already (a source)",
                    NodeMetrics::alreadyProcessed),
            new Counter("busyMillis", "time its code spent on items, estimated", node -> node.busy().toMillis()),
            new Counter("callsInFlight", "calls under way (a keyed call step), or -1", NodeMetrics::callsInFlight),
            new Counter("keysWaiting", "keys waiting for a free call (a keyed call step), or -1",
                    NodeMetrics::keysWaiting),
            new Counter("oldestCallMillis", "age of the oldest call under way (a keyed call step)",
                    node -> node.oldestCall().toMillis()));

    private static final String[] ROW_ITEMS;
    private static final CompositeType ROW;
    private static final TabularType TABLE;

    static {
        List<String> names = new ArrayList<>(List.of("name", "kind"));
        List<OpenType<?>> types = new ArrayList<>(List.of(SimpleType.STRING, SimpleType.STRING));
        for (Counter counter : COUNTERS) {
            names.add(counter.name);
            types.add(SimpleType.LONG);
        }
        ROW_ITEMS = names.toArray(new String[0]);
        try {
            ROW = new CompositeType("NodeMetrics", "a node's counters", ROW_ITEMS, ROW_ITEMS,
                    types.toArray(new OpenType<?>[0]));
            TABLE = new TabularType("Nodes", "every node's counters, upstream first", ROW, new String[] {"name"});
        } catch (OpenDataException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Pipeline pipeline;
    private final MBeanInfo info;
    private ObjectName registeredAs;

    PipelineMBean(Pipeline pipeline) {
        this.pipeline = pipeline;
        List<MBeanAttributeInfo> attributes = new ArrayList<>(List.of(
                new MBeanAttributeInfo("Name", "java.lang.String", "the pipeline's name", true, false, false),
                new MBeanAttributeInfo("State", "java.lang.String", "NEW, RUNNING, STOPPING, COMPLETED or FAILED", true,
                        false, false),
                new MBeanAttributeInfo("ElapsedSeconds", "double", "time since it started", true, false, false),
                new MBeanAttributeInfo("Nodes", TabularDataSupport.class.getName(), "every node's counters", true, false,
                        false)));
        for (String node : pipeline.nodeNames()) { // not metrics(): that would start timing the nodes' code
            for (Counter counter : COUNTERS) {
                attributes.add(new MBeanAttributeInfo(node + "." + counter.name, "long", node + ": " + counter.description,
                        true, false, false));
            }
        }
        this.info = new MBeanInfo(PipelineMBean.class.getName(), "a nanostream pipeline, read-only", attributes.toArray(
                new MBeanAttributeInfo[0]), null, null, null);
    }

    /** Registers; a pipeline runs on without its MBean where the platform refuses it. */
    @Override
    public void started() {
        try {
            register();
        } catch (JMException | SecurityException e) {
            System.getLogger("io.nanostream.flow").log(System.Logger.Level.WARNING,
                    () -> "pipeline '" + pipeline.name() + "' runs without its MBean: " + e);
        }
    }

    @Override
    public void ended() {
        unregister();
    }

    /** Registers under the pipeline's name, numbered when another pipeline of that name is there. */
    synchronized void register() throws JMException {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        String base = "io.nanostream:type=Pipeline,name=" + ObjectName.quote(pipeline.name());
        for (int n = 1; registeredAs == null; n++) {
            ObjectName name = new ObjectName(n == 1 ? base : base + ",instance=" + n);
            try {
                server.registerMBean(this, name);
                registeredAs = name;
            } catch (InstanceAlreadyExistsException taken) {
                // another pipeline of the same name: try the next number
            }
        }
    }

    synchronized void unregister() {
        if (registeredAs != null) {
            try {
                ManagementFactory.getPlatformMBeanServer().unregisterMBean(registeredAs);
            } catch (InstanceNotFoundException | javax.management.MBeanRegistrationException gone) {
                // unregistered by someone else: nothing left to do
            }
            registeredAs = null;
        }
    }

    synchronized ObjectName name() {
        return registeredAs;
    }

    @Override
    public Object getAttribute(String attribute) throws AttributeNotFoundException {
        PipelineMetrics metrics = pipeline.metrics();
        switch (attribute) {
            case "Name":
                return metrics.pipeline();
            case "State":
                return metrics.state().name();
            case "ElapsedSeconds":
                return metrics.elapsed().toNanos() / 1e9;
            case "Nodes":
                return table(metrics);
            default:
                int dot = attribute.lastIndexOf('.');
                if (dot > 0) {
                    for (Counter counter : COUNTERS) {
                        if (counter.name.equals(attribute.substring(dot + 1))) {
                            for (NodeMetrics node : metrics.nodes()) {
                                if (node.name().equals(attribute.substring(0, dot))) {
                                    return counter.read.applyAsLong(node);
                                }
                            }
                        }
                    }
                }
                throw new AttributeNotFoundException("pipeline '" + metrics.pipeline() + "' has no attribute " + attribute);
        }
    }

    private static TabularDataSupport table(PipelineMetrics metrics) {
        TabularDataSupport table = new TabularDataSupport(TABLE);
        for (NodeMetrics node : metrics.nodes()) {
            List<Object> values = new ArrayList<>(List.of(node.name(), node.kind().name()));
            for (Counter counter : COUNTERS) {
                values.add(counter.read.applyAsLong(node));
            }
            try {
                table.put(new CompositeDataSupport(ROW, ROW_ITEMS, values.toArray()));
            } catch (OpenDataException e) {
                throw new IllegalStateException(e);
            }
        }
        return table;
    }

    @Override
    public AttributeList getAttributes(String[] attributes) {
        AttributeList list = new AttributeList();
        for (String attribute : attributes) {
            try {
                list.add(new Attribute(attribute, getAttribute(attribute)));
            } catch (AttributeNotFoundException unknown) {
                // left out, as the interface asks
            }
        }
        return list;
    }

    @Override
    public void setAttribute(Attribute attribute) throws AttributeNotFoundException {
        throw new AttributeNotFoundException("the pipeline's MBean is read-only: " + attribute.getName());
    }

    @Override
    public AttributeList setAttributes(AttributeList attributes) {
        return new AttributeList();
    }

    @Override
    public Object invoke(String action, Object[] params, String[] signature) throws javax.management.ReflectionException {
        throw new javax.management.ReflectionException(new NoSuchMethodException(action),
                "the pipeline's MBean has no operations");
    }

    @Override
    public MBeanInfo getMBeanInfo() {
        return info;
    }

    /** One counter of a node. */
    private record Counter(String name, String description, ToLongFunction<NodeMetrics> read) {
    }
}
