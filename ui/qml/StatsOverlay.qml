import QtQuick

// The statistics overlay over the video: what the player is doing, refreshed once a second.
// The rows (and their formatting) come from playback.stats; this is only their layout.
Rectangle {
    id: overlay
    property bool shown: false

    width: Theme.px(620)
    height: column.implicitHeight + 2 * column.anchors.margins
    radius: Theme.radius * 1.5
    color: Qt.rgba(0.04, 0.05, 0.07, 0.78)
    border.color: Qt.rgba(1, 1, 1, 0.12)
    border.width: Math.max(1, Theme.px(1))
    opacity: shown ? 1 : 0
    visible: opacity > 0
    Behavior on opacity { NumberAnimation { duration: Theme.fast } }

    Column {
        id: column
        anchors { fill: parent; margins: Theme.px(22) }
        spacing: Theme.px(7)

        Item {
            width: parent.width
            height: heading.implicitHeight + Theme.px(8)
            Label {
                id: heading
                text: "PLAYBACK STATISTICS"
                size: Theme.fontCaption
                font.weight: Font.DemiBold
                font.letterSpacing: Theme.px(1.5)
                color: Theme.accent
            }
            Row {
                anchors { right: parent.right; verticalCenter: heading.verticalCenter }
                spacing: Theme.px(8)
                Rectangle {
                    width: Math.max(height, key.implicitWidth + Theme.px(10))
                    height: key.implicitHeight + Theme.px(4)
                    radius: Theme.px(4)
                    color: "transparent"
                    border.color: Theme.textFaint
                    border.width: Math.max(1, Theme.px(1))
                    Text {
                        id: key
                        anchors.centerIn: parent
                        text: "I"
                        font.family: Theme.monoFamily
                        font.pixelSize: Theme.fontCaption
                        color: Theme.textDim
                    }
                }
                Label {
                    text: "to close"
                    size: Theme.fontCaption
                    color: Theme.textFaint
                    anchors.verticalCenter: parent.verticalCenter
                }
            }
        }
        Repeater {
            model: playback.stats.rows
            delegate: Row {
                required property var modelData
                objectName: "stat_" + modelData.key
                property alias value: valueText.text
                spacing: Theme.px(12)
                Label {
                    width: Theme.px(150)
                    text: modelData.label
                    size: Theme.fontSmall
                    color: Theme.textFaint
                    anchors.baseline: valueText.baseline
                }
                Text {
                    id: valueText
                    width: column.width - Theme.px(162)
                    text: modelData.value
                    color: Theme.text
                    font.family: Theme.monoFamily
                    font.pixelSize: Theme.fontSmall
                    elide: Text.ElideRight
                    textFormat: Text.PlainText
                }
            }
        }
    }
}
